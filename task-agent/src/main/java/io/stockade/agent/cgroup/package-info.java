/**
 * Containers' cgroups as the kernel shows them: which hierarchy (v1 controllers or the v2 unified tree) holds a
 * container's processes, its OOM-kill counter and the watch that wakes up when it changes, and its resource usage
 * read from the cgroup files.
 */
package io.stockade.agent.cgroup;
