/**
 * The admin listener's handler ({@code /metrics}, {@code /healthz}, {@code /readyz}) and the probe answers
 * that the public listener serves too. Uses {@code codec} (error bodies, request ids) and {@code upstream}
 * (each upstream's readiness state); Prometheus for the exposition. Runs on the admin loop: no request-path
 * stages and no proxying here, and nothing that blocks.
 */
package dev.gateway.core.admin;
