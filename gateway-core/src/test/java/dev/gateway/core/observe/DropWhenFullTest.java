package dev.gateway.core.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.async.EventRoute;
import org.junit.jupiter.api.Test;

class DropWhenFullTest {
    @Test
    void aFullLogQueueDropsAndCountsExceptOnTheLoggingThreadItself() {
        DropWhenFull policy = new DropWhenFull();
        long before = DropWhenFull.dropped();
        assertEquals(EventRoute.DISCARD, policy.getRoute(Thread.currentThread().getId() + 1, Level.INFO));
        assertEquals(EventRoute.SYNCHRONOUS, policy.getRoute(Thread.currentThread().getId(), Level.INFO));
        assertEquals(before + 1, DropWhenFull.dropped());
    }
}
