package dev.gateway.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reports a leaked buffer during it. Tests run with
 * {@code -Dio.netty.leakDetection.level=paranoid}, so every buffer is tracked; after the class, the
 * collector runs and fresh allocations make the detector report whatever was dropped unreleased.
 */
public final class LeakGuard implements BeforeAllCallback, AfterAllCallback {
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    static {
        ByteBufUtil.setLeakListener((type, records) -> LEAKS.add(type + ":\n" + records));
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.PARANOID) {
            throw new IllegalStateException("tests must run with -Dio.netty.leakDetection.level=paranoid");
        }
        LEAKS.clear();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        for (int round = 0; round < 5 && LEAKS.isEmpty(); round++) {
            System.gc();
            provokeReports();
        }
        if (!LEAKS.isEmpty()) {
            List<String> found = new ArrayList<>(LEAKS);
            LEAKS.clear();
            throw new AssertionError(found.size() + " buffer leak(s) in " + context.getDisplayName() + ":\n"
                    + String.join("\n\n", found));
        }
    }

    /** The detector polls its reference queue when it tracks a new buffer. */
    private static void provokeReports() {
        for (ByteBufAllocator alloc : new ByteBufAllocator[] {
                PooledByteBufAllocator.DEFAULT, UnpooledByteBufAllocator.DEFAULT, ByteBufAllocator.DEFAULT}) {
            for (int i = 0; i < 64; i++) {
                ByteBuf b = i % 2 == 0 ? alloc.directBuffer(16) : alloc.heapBuffer(16);
                b.release();
            }
        }
    }
}
