/**
 * {@code java -jar gateway.jar replay}: sends a capture ({@code dev.gateway.core.capture}) to two targets
 * side by side, at the capture's pace and in each caller's order, and reports where their answers differ.
 * {@code ReplayCommand} (the subcommand), {@code Replayer} (the schedule), {@code TargetClient} (the JDK's
 * HTTP client), {@code CredentialsHook} (each caller's headers per target), {@code ResponseComparison}
 * (how two answers are compared) with {@code DiffComparison} (gateway-core's {@code diff} engine, the one
 * the gateway's shadow traffic goes through) and {@code ReplayReport}.
 *
 * <p>Uses gateway-core's {@code capture}, {@code diff} and {@code config.Units}, Jackson and the JDK; runs
 * no gateway and no Netty. {@code docs/ops/capture-and-replay.md} is the operator's guide.
 */
package dev.gateway.cli.replay;
