/**
 * Drives an OCI runtime (runc or crun) through its command line, and reads OCI bundle specs. Runtime state lives
 * under a private {@code --root}, so the agent's containers are invisible to other runc users on the machine.
 */
package io.stockade.agent.oci;
