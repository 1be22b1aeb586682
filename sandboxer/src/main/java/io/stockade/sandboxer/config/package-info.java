/** The sandboxer's configuration: the TOML file, its keys and defaults ({@code docs/configuration.md}). */
package io.stockade.sandboxer.config;
