package io.stockade.agent.bench;

/**
 * One measured agent start: nanoseconds from process start to the first successful Agent
 * {@code Health} over the unix socket, and the agent's resident set at idle afterwards.
 */
record StartupSample(long startupNanos, long idleRssKb) {}
