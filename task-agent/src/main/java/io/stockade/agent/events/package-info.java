/** The agent's task event log: containerd events in publication order, numbered, with a bounded replay backlog. */
package io.stockade.agent.events;
