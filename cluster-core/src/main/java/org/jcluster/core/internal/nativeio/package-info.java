/**
 * Native calls: the shared jnr-posix instance and signals ({@link org.jcluster.core.internal.nativeio.Posix}),
 * and the socket calls jnr-posix lacks or makes allocate, bound straight through jffi
 * ({@link org.jcluster.core.internal.nativeio.Syscalls}, {@link org.jcluster.core.internal.nativeio.MessageHeader});
 * the primary's listener for shared servers, int fds with no JVM flag
 * ({@link org.jcluster.core.internal.nativeio.NativeSockets}); and the one place jcluster touches the JDK's
 * private {@code sun.nio.ch} classes, to make a passed fd a real JDK channel and back
 * ({@link org.jcluster.core.internal.nativeio.JdkChannels}, which needs
 * {@code --add-opens java.base/sun.nio.ch=jcluster.core}: workers get it from jcluster).
 *
 * <p>Why not a jnr-ffi interface binding: jnr-ffi defines the implementing class in a fresh class loader,
 * whose unnamed module cannot access an interface in a package this module does not export
 * ("superinterface check failed"). Raw jffi calls need no generated class, and cost no allocation per call.
 * Linux LP64 only, like SO_PEERCRED and MSG_CMSG_CLOEXEC.
 */
package org.jcluster.core.internal.nativeio;
