package org.jcluster.core.internal.transport;

import com.kenai.jffi.CallContext;
import com.kenai.jffi.CallingConvention;
import com.kenai.jffi.Invoker;
import com.kenai.jffi.LastError;
import com.kenai.jffi.Library;
import com.kenai.jffi.Platform;
import com.kenai.jffi.Type;

/**
 * The one table of libc functions jcluster calls through jffi ({@link Syscalls}, {@link NativeSockets}),
 * with the call shapes it calls them with, bound once. Loading it checks the platform and jffi, with
 * errors that name the fix.
 *
 * <p>A shape's name reads "result OF parameters". Every shape saves errno right after the call
 * (saveErrno): jffi copies it into its thread-local LastError before the JVM can run anything that
 * would clobber it.
 */
final class Libc {
    static final Invoker INVOKER;

    static final CallContext INT_OF_NOTHING;
    static final CallContext INT_OF_INT;
    static final CallContext INT_OF_INT_INT;
    static final CallContext INT_OF_INT_INT_INT;
    static final CallContext INT_OF_PTR_INT_INT;
    static final CallContext INT_OF_INT_PTR_INT;
    static final CallContext INT_OF_INT_PTR_PTR;
    static final CallContext INT_OF_INT_PTR_PTR_INT;
    static final CallContext INT_OF_INT_INT_INT_PTR_INT;
    static final CallContext INT_OF_INT_INT_INT_PTR_PTR;
    static final CallContext SSIZE_OF_INT_PTR_INT;
    static final CallContext LONG_OF_LONG_INT_INT;

    static final long SENDMSG;
    static final long RECVMSG;
    static final long POLL;
    static final long SHUTDOWN;
    static final long CLOSE;
    static final long FCNTL;
    static final long DUP3;
    static final long SETPGID;
    static final long GETUID;
    static final long KILL;
    static final long SYSCALL;
    static final long SOCKET;
    static final long SETSOCKOPT;
    static final long GETSOCKOPT;
    static final long BIND;
    static final long LISTEN;
    static final long ACCEPT4;
    static final long GETSOCKNAME;
    static final long GETPEERNAME;

    static {
        try {
            Platform platform = Platform.getPlatform();
            if (platform.getOS() != Platform.OS.LINUX || platform.addressSize() != 64) {
                throw new UnsupportedOperationException("jcluster's IPC transport supports 64-bit Linux only; this is "
                        + platform.getOS() + " with " + platform.addressSize() + "-bit addresses");
            }
            INVOKER = Invoker.getInstance();
            INT_OF_NOTHING = shape(Type.SINT);
            INT_OF_INT = shape(Type.SINT, Type.SINT);
            INT_OF_INT_INT = shape(Type.SINT, Type.SINT, Type.SINT);
            INT_OF_INT_INT_INT = shape(Type.SINT, Type.SINT, Type.SINT, Type.SINT);
            INT_OF_PTR_INT_INT = shape(Type.SINT, Type.POINTER, Type.SINT, Type.SINT);
            INT_OF_INT_PTR_INT = shape(Type.SINT, Type.SINT, Type.POINTER, Type.SINT);
            INT_OF_INT_PTR_PTR = shape(Type.SINT, Type.SINT, Type.POINTER, Type.POINTER);
            INT_OF_INT_PTR_PTR_INT = shape(Type.SINT, Type.SINT, Type.POINTER, Type.POINTER, Type.SINT);
            INT_OF_INT_INT_INT_PTR_INT = shape(Type.SINT, Type.SINT, Type.SINT, Type.SINT, Type.POINTER, Type.SINT);
            INT_OF_INT_INT_INT_PTR_PTR = shape(Type.SINT, Type.SINT, Type.SINT, Type.SINT, Type.POINTER, Type.POINTER);
            SSIZE_OF_INT_PTR_INT = shape(Type.SLONG, Type.SINT, Type.POINTER, Type.SINT);
            LONG_OF_LONG_INT_INT = shape(Type.SLONG, Type.SLONG, Type.SINT, Type.SINT);
            Library libc = Library.getDefault();
            SENDMSG = symbol(libc, "sendmsg");
            RECVMSG = symbol(libc, "recvmsg");
            POLL = symbol(libc, "poll");
            SHUTDOWN = symbol(libc, "shutdown");
            CLOSE = symbol(libc, "close");
            FCNTL = symbol(libc, "fcntl");
            DUP3 = symbol(libc, "dup3");
            SETPGID = symbol(libc, "setpgid");
            GETUID = symbol(libc, "getuid");
            KILL = symbol(libc, "kill");
            SYSCALL = symbol(libc, "syscall");
            SOCKET = symbol(libc, "socket");
            SETSOCKOPT = symbol(libc, "setsockopt");
            GETSOCKOPT = symbol(libc, "getsockopt");
            BIND = symbol(libc, "bind");
            LISTEN = symbol(libc, "listen");
            ACCEPT4 = symbol(libc, "accept4");
            GETSOCKNAME = symbol(libc, "getsockname");
            GETPEERNAME = symbol(libc, "getpeername");
        } catch (UnsupportedOperationException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("jcluster cannot load jffi's native library, which its IPC transport"
                    + " needs (check that the jffi 'native' jar is on the path; on Java 22+ also run with"
                    + " --enable-native-access=org.jnrproject.jffi, or ALL-UNNAMED on the class path): " + e, e);
        }
    }

    private Libc() {
    }

    private static CallContext shape(Type result, Type... parameters) {
        return CallContext.getCallContext(result, parameters, CallingConvention.DEFAULT, true);
    }

    private static long symbol(Library library, String name) {
        long address = library.getSymbolAddress(name);
        if (address == 0L) {
            throw new IllegalStateException("libc symbol " + name + " not found: " + Library.getLastError());
        }
        return address;
    }

    /** The errno the last call on this thread saved. */
    static int errno() {
        return LastError.getInstance().get();
    }
}
