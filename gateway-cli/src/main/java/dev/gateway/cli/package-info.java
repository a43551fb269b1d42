/**
 * The command line, {@code java -jar gateway.jar}: {@link dev.gateway.cli.Main} and its subcommands (the
 * gateway, {@code demo-upstreams}, {@code token}, {@code replay} in {@code dev.gateway.cli.replay},
 * {@code train}), {@link dev.gateway.cli.DemoGateway}
 * (starts the demo services for the configuration's {@code demo} endpoints and the gateway in front of
 * them), {@link dev.gateway.cli.ArchiveTraining} (the class-data archive's training run) and the demo
 * configuration ({@code gateway-demo.yaml}). This module builds the one self-contained jar, its launcher
 * and its archive.
 *
 * <p>May use gateway-core's public API ({@code dev.gateway.core}) and the demo services ({@code
 * dev.gateway.demo}); nothing of the gateway depends on it, so the gateway stays a library that knows
 * no demo and no command line.
 */
package dev.gateway.cli;
