package io.ebpfagent.probes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ebpfagent.loader.collection.CollectionSpec;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Specs parsed ahead of a probe's start: taken once, never parsed twice, never kept when unused. */
class BundledObjectTest {
    private static final BundledObject OBJECT = BundledObject.FAULTS;

    @AfterEach
    void nothingParked() {
        OBJECT.discardPrepared();
    }

    @Test
    void aStartTakesThePreparedSpecOnceAndParsesItselfIfTheTaskHasNotRun() {
        Runnable task = OBJECT.prepare();
        assertTrue(OBJECT.hasPrepared());
        CollectionSpec first = OBJECT.spec(); // the task has not run: the start runs it
        assertFalse(OBJECT.hasPrepared());
        assertTrue(first.programs().containsKey("on_major_fault"));
        task.run(); // the preparation thread coming late does nothing, parks nothing
        assertFalse(OBJECT.hasPrepared());
        CollectionSpec second = OBJECT.spec();
        assertNotSame(first, second);
        assertEquals(first.programs().keySet(), second.programs().keySet());
    }

    @Test
    void aSecondPreparationWhileOneIsParkedDoesNothing() {
        Runnable task = OBJECT.prepare();
        Runnable again = OBJECT.prepare();
        again.run();
        assertTrue(OBJECT.hasPrepared());
        task.run();
        OBJECT.spec();
        assertFalse(OBJECT.hasPrepared());
    }

    @Test
    void aStartWaitsForAParseInProgressOnAnotherThread() throws Exception {
        Runnable task = OBJECT.prepare();
        CountDownLatch running = new CountDownLatch(1);
        Thread preparer = new Thread(() -> {
            running.countDown();
            task.run();
        }, "preparer");
        preparer.start();
        assertTrue(running.await(30, TimeUnit.SECONDS));
        AtomicReference<CollectionSpec> taken = new AtomicReference<>();
        Thread start = new Thread(() -> taken.set(OBJECT.spec()), "start");
        start.start();
        start.join(TimeUnit.SECONDS.toMillis(60));
        preparer.join(TimeUnit.SECONDS.toMillis(60));
        assertFalse(start.isAlive());
        assertFalse(taken.get().programs().isEmpty());
        assertFalse(OBJECT.hasPrepared());
    }

    @Test
    void whatNoStartTookIsDropped() {
        OBJECT.prepare().run();
        assertTrue(OBJECT.hasPrepared());
        OBJECT.discardPrepared();
        assertFalse(OBJECT.hasPrepared());
        assertFalse(OBJECT.spec().programs().isEmpty()); // parsed anew
    }
}
