package org.jcluster.launcher;

import java.io.PrintWriter;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code bin/jcluster}: {@code run} starts a supervised cluster of an unmodified program;
 * {@code status}, {@code reload} and {@code stop} reach a running one through its control socket.
 */
@Command(name = "jcluster", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Runs a JVM server on several worker JVMs behind its own ports, supervised.",
        subcommands = {RunCommand.class, ControlCommands.Status.class, ControlCommands.Reload.class,
            ControlCommands.Stop.class, CommandLine.HelpCommand.class})
public final class Main {
    /** Exit code of a bad command line (picocli's convention, and the shell's). */
    static final int USAGE = 2;
    /** What {@code run} answers when the supervisor will end the JVM with the shutdown's status. */
    static final int EXIT_LEFT_TO_SUPERVISOR = -1;

    public static void main(String[] args) {
        int status = execute(args);
        if (status != EXIT_LEFT_TO_SUPERVISOR) {
            System.exit(status);
        }
    }

    static int execute(String... args) {
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setParameterExceptionHandler((e, arguments) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("jcluster: " + e.getMessage());
            err.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            return USAGE;
        });
        return commandLine.execute(RunCommand.splitProgram(commandLine, args));
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"jcluster " + (version == null ? "(development build)" : version)};
        }
    }
}
