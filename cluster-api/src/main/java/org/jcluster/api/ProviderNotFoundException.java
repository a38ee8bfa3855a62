package org.jcluster.api;

/**
 * No provider of the kind and name asked for is on the module path (or class path). The message
 * names what was asked, what was found, and the module to add.
 */
public class ProviderNotFoundException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public ProviderNotFoundException(String message) {
        super(message);
    }
}
