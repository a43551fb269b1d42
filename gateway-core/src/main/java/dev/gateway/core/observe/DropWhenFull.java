package dev.gateway.core.observe;

import java.util.concurrent.atomic.LongAdder;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.async.AsyncQueueFullPolicy;
import org.apache.logging.log4j.core.async.EventRoute;

/**
 * What the asynchronous loggers do when their ring buffer is full: drop the line and count it, rather
 * than make an event loop wait for the console (log4j's default). Named in
 * {@code log4j2.component.properties}; the count is {@code gateway_log_lines_dropped_total}.
 */
public final class DropWhenFull implements AsyncQueueFullPolicy {
    private static final LongAdder DROPPED = new LongAdder();

    @Override
    public EventRoute getRoute(long backgroundThreadId, Level level) {
        if (Thread.currentThread().getId() == backgroundThreadId) {
            return EventRoute.SYNCHRONOUS; // the logging thread itself: queueing to itself would deadlock
        }
        DROPPED.increment();
        return EventRoute.DISCARD;
    }

    /** Log lines dropped so far in this process because the asynchronous log queue was full. */
    public static long dropped() {
        return DROPPED.sum();
    }
}
