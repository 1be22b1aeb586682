/** Stockade's own Agent service ({@code stockade.agent.v1.Agent}): the event stream, health and version. */
package io.stockade.agent.guest;
