package dev.grace.boot.internal.posix;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Against the real scheduler: nice values of this JVM's own threads.
 */
class StartPriorityTests {

	@Test
	void spawnsAtTheBoostedPriorityAndTheSpawningThreadReturns() {
		int own = CpuPriority.niceOfCallingThread();
		assumeMayRaise(own);
		AtomicInteger during = new AtomicInteger();

		int returnTo = new StartPriority(3, Map.of()).spawn((value) -> {
			during.set(CpuPriority.niceOfCallingThread());
			return value;
		});

		assertThat(returnTo).isEqualTo(own);
		assertThat(during.get()).isEqualTo(own - 3);
		assertThat(CpuPriority.niceOfCallingThread()).isEqualTo(own);
	}

	@Test
	void noBoostLeavesThePriorityAndTellsTheNewProcessNothing() {
		int own = CpuPriority.niceOfCallingThread();
		AtomicInteger during = new AtomicInteger();

		int returnTo = new StartPriority(0, Map.of()).spawn((value) -> {
			during.set(CpuPriority.niceOfCallingThread());
			return value;
		});

		assertThat(returnTo).isEqualTo(Integer.MIN_VALUE);
		assertThat(during.get()).isEqualTo(own);
	}

	@Test
	void readyPutsEveryThreadBackToTheServingPriority() throws Exception {
		int own = CpuPriority.niceOfCallingThread();
		assumeMayRaise(own);
		CountDownLatch raised = new CountDownLatch(1);
		CountDownLatch checked = new CountDownLatch(1);
		AtomicInteger after = new AtomicInteger(Integer.MIN_VALUE);
		// a thread of a process that started boosted
		Thread boosted = new Thread(() -> {
			CpuPriority.setNiceOfCallingThread(own - 2);
			raised.countDown();
			try {
				checked.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			after.set(CpuPriority.niceOfCallingThread());
		});
		boosted.start();
		raised.await();

		new StartPriority(10, Map.of(StartPriority.VARIABLE, Integer.toString(own))).asServiceManager().ready();
		checked.countDown();
		boosted.join();

		assertThat(after.get()).isEqualTo(own);
	}

	@Test
	void readyIgnoresAValueThatIsNoNiceValue() {
		int own = CpuPriority.niceOfCallingThread();
		new StartPriority(10, Map.of(StartPriority.VARIABLE, "-99")).asServiceManager().ready();
		new StartPriority(10, Map.of(StartPriority.VARIABLE, "soon")).asServiceManager().ready();
		assertThat(CpuPriority.niceOfCallingThread()).isEqualTo(own);
	}

	private static void assumeMayRaise(int own) {
		Assumptions.assumeTrue(CpuPriority.setNiceOfCallingThread(own - 1) && CpuPriority.setNiceOfCallingThread(own),
				"raising a thread's CPU priority needs CAP_SYS_NICE (CI runs as root)");
	}

}
