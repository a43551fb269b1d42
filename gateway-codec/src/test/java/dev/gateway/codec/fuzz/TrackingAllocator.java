package dev.gateway.codec.fuzz;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;

/**
 * An allocator that remembers every buffer it hands out, so that one fuzz input can check that all of
 * them were released: a leak is then a finding with its own reproducer, not a report that comes after
 * the fact from the collector. The buffers are unpooled (a released pooled buffer is recycled, and its
 * count would come back to life as someone else's); the paranoid leak detector still tracks each one.
 */
final class TrackingAllocator extends AbstractByteBufAllocator {
    /** Leak detection is left to the wrappers this class's base adds, so each buffer is tracked once. */
    private static final UnpooledByteBufAllocator UNPOOLED = new UnpooledByteBufAllocator(false, true);

    private final List<ByteBuf> handedOut = new ArrayList<>();

    TrackingAllocator() {
        super(false);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        ByteBuf b = UNPOOLED.heapBuffer(initialCapacity, maxCapacity);
        handedOut.add(b);
        return b;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        ByteBuf b = UNPOOLED.directBuffer(initialCapacity, maxCapacity);
        handedOut.add(b);
        return b;
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    /** @throws AssertionError naming how many buffers are still referenced */
    void assertAllReleased() {
        int live = 0;
        for (ByteBuf b : handedOut) {
            if (b.refCnt() != 0) {
                live++;
            }
        }
        if (live != 0) {
            throw new AssertionError(live + " of " + handedOut.size() + " buffers not released");
        }
    }
}
