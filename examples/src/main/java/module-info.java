/**
 * jcluster's demo. It names no provider: jcluster.core, the json serialization and the scheduling
 * policies are found on the module path through ServiceLoader.
 */
module jcluster.examples {
    requires jcluster.api;
}
