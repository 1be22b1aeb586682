/** Starting the agent: command-line options, wiring of the services, and the process entry point. */
package io.stockade.agent.main;
