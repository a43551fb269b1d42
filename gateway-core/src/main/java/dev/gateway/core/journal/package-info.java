/**
 * Append-only files of JSON lines for what operators read after the fact (sampled differences):
 * {@code JsonLinesJournal}, a size-capped, rotating file written by its own thread, which the request path
 * only hands lines to. Uses the JDK, Jackson and the log4j2 API (one warning), and no other room of the
 * gateway.
 */
package dev.gateway.core.journal;
