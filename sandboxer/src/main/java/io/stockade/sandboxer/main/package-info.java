/** The {@code stockade-sandboxer} command: reads the config, picks the runtime, serves the Controller. */
package io.stockade.sandboxer.main;
