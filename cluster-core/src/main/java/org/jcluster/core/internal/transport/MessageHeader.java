package org.jcluster.core.internal.transport;

import java.nio.ByteBuffer;
import java.util.function.IntConsumer;

/**
 * One reusable {@code struct msghdr} with a single {@code iovec} and a control buffer for
 * {@code SCM_RIGHTS}, laid out for Linux LP64, in one direct buffer allocated once. Not thread-safe:
 * each owner (the reader of a channel, the writer of a channel) has its own.
 *
 * <pre>
 * struct msghdr  { void *name; socklen_t namelen; struct iovec *iov; size_t iovlen;
 *                  void *control; size_t controllen; int flags; }           56 bytes
 * struct iovec   { void *base; size_t len; }                                 16 bytes
 * struct cmsghdr { size_t len; int level; int type; unsigned char data[]; }  16 bytes + data
 * </pre>
 */
final class MessageHeader {
    private static final int MSG_IOV = 16;
    private static final int MSG_IOVLEN = 24;
    private static final int MSG_CONTROL = 32;
    private static final int MSG_CONTROLLEN = 40;
    private static final int MSG_FLAGS = 48;
    private static final int IOV = 56;
    private static final int IOV_BASE = IOV;
    private static final int IOV_LEN = IOV + 8;
    private static final int CONTROL = IOV + 16;
    private static final int CMSG_HEADER = 16;

    private final ByteBuffer memory;
    private final long address;
    private final int controlCapacity;

    /** @param maxFds how many descriptors one call can carry (receiving: more arriving at once sets MSG_CTRUNC) */
    public MessageHeader(int maxFds) {
        this.controlCapacity = cmsgSpace(4 * maxFds);
        this.memory = Syscalls.allocateStruct(CONTROL + controlCapacity);
        this.address = Syscalls.address(memory);
        memory.putLong(MSG_IOV, address + IOV);
        memory.putLong(MSG_IOVLEN, 1);
    }

    private static int cmsgSpace(int dataBytes) {
        return CMSG_HEADER + ((dataBytes + 7) & ~7);
    }

    /** Address to hand to sendmsg/recvmsg. */
    public long address() {
        return address;
    }

    /** Points the single iovec at {@code length} bytes of native memory. */
    public void setData(long dataAddress, long length) {
        memory.putLong(IOV_BASE, dataAddress);
        memory.putLong(IOV_LEN, length);
    }

    /** For sendmsg: no ancillary data. */
    public void clearControl() {
        memory.putLong(MSG_CONTROL, 0L);
        memory.putLong(MSG_CONTROLLEN, 0L);
    }

    /** For sendmsg: one SCM_RIGHTS message carrying {@code fd}. */
    public void setPassedFd(int fd) {
        memory.putLong(CONTROL, CMSG_HEADER + 4);
        memory.putInt(CONTROL + 8, Syscalls.SOL_SOCKET);
        memory.putInt(CONTROL + 12, Syscalls.SCM_RIGHTS);
        memory.putInt(CONTROL + CMSG_HEADER, fd);
        memory.putLong(MSG_CONTROL, address + CONTROL);
        memory.putLong(MSG_CONTROLLEN, cmsgSpace(4));
    }

    /** For recvmsg: the whole control buffer is offered again (the kernel shrinks controllen to what it filled). */
    public void prepareReceive() {
        memory.putLong(MSG_CONTROL, address + CONTROL);
        memory.putLong(MSG_CONTROLLEN, controlCapacity);
        memory.putInt(MSG_FLAGS, 0);
    }

    /** msg_flags after recvmsg (MSG_CTRUNC tells that descriptors were dropped). */
    public int flags() {
        return memory.getInt(MSG_FLAGS);
    }

    /** After recvmsg: hands every received descriptor to {@code sink}, in order. */
    public void forEachReceivedFd(IntConsumer sink) {
        long length = memory.getLong(MSG_CONTROLLEN);
        int offset = 0;
        while (offset + CMSG_HEADER <= length) {
            long cmsgLen = memory.getLong(CONTROL + offset);
            if (cmsgLen < CMSG_HEADER || offset + cmsgLen > length) {
                break;
            }
            int level = memory.getInt(CONTROL + offset + 8);
            int type = memory.getInt(CONTROL + offset + 12);
            if (level == Syscalls.SOL_SOCKET && type == Syscalls.SCM_RIGHTS) {
                int count = (int) ((cmsgLen - CMSG_HEADER) / 4);
                for (int i = 0; i < count; i++) {
                    sink.accept(memory.getInt(CONTROL + offset + CMSG_HEADER + 4 * i));
                }
            }
            offset += (int) ((cmsgLen + 7) & ~7L);
        }
    }
}
