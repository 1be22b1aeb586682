/**
 * Guest mode, where the agent is PID 1 of the microVM: the file systems init must mount, the clock, cgroup
 * controllers, logging to the serial console, and the orderly way down to power-off (there is nothing to return to:
 * if PID 1 exits, the kernel panics).
 */
package io.stockade.agent.boot;
