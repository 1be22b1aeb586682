/**
 * Stockade's own Agent service ({@code stockade.agent.v1.Agent}): the event stream, health, version, guest metrics
 * and, in guest mode, guest setup (names, DNS files, interfaces, routes, clock).
 */
package io.stockade.agent.guest;
