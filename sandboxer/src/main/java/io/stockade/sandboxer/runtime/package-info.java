/**
 * What runs a pod: a {@link io.stockade.sandboxer.runtime.PodRuntime} starts the pod's agent (in a microVM, or as a
 * host process in process mode), finds it again after a sandboxer restart, and kills it with its containers.
 */
package io.stockade.sandboxer.runtime;
