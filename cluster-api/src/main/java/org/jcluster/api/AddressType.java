package org.jcluster.api;

/** The kind of address a server listens on, with Node's values (4, 6, -1, "udp4", "udp6"). */
public enum AddressType {
    TCP4("4"), TCP6("6"), UNIX("-1"), UDP4("udp4"), UDP6("udp6");

    private final String nodeValue;

    AddressType(String nodeValue) {
        this.nodeValue = nodeValue;
    }

    /** The value Node's 'listening' event carries for this kind. */
    public String nodeValue() {
        return nodeValue;
    }
}
