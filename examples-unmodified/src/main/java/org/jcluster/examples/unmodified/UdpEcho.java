package org.jcluster.examples.unmodified;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.nio.charset.StandardCharsets;

/** A UDP echo through java.net.DatagramSocket, answering "pid N: " and what it got. Argument: the port. */
public final class UdpEcho {
    private UdpEcho() {
    }

    public static void main(String[] args) throws Exception {
        String prefix = "pid " + ProcessHandle.current().pid() + ": ";
        try (DatagramSocket socket = new DatagramSocket(Integer.parseInt(args[0]))) {
            System.out.println("listening on " + socket.getLocalPort());
            byte[] buffer = new byte[2048];
            while (true) {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                socket.receive(packet);
                byte[] answer = (prefix + new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8))
                        .getBytes(StandardCharsets.UTF_8);
                socket.send(new DatagramPacket(answer, answer.length, packet.getSocketAddress()));
            }
        }
    }
}
