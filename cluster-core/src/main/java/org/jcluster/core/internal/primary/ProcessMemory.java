package org.jcluster.core.internal.primary;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** A process's resident memory, from /proc (Linux). */
final class ProcessMemory {
    private ProcessMemory() {
    }

    /** VmRSS, what top and PM2 show as a process's memory; empty when the process is gone. */
    static OptionalLong residentBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return OptionalLong.of(Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024); // in kB
                }
            }
        } catch (IOException | NumberFormatException gone) {
            // it ended meanwhile
        }
        return OptionalLong.empty();
    }
}
