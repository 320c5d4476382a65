package dev.grace.boot.internal.posix;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
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
	void compilerThreadsStartAtTheLowestPriorityUntilReady() throws Exception {
		int own = CpuPriority.niceOfCallingThread();
		assumeMayRaise(own);
		Map<String, String> env = Map.of(StartPriority.VARIABLE, Integer.toString(own));
		CountDownLatch raised = new CountDownLatch(1);
		Semaphore look = new Semaphore(0);
		Semaphore seen = new Semaphore(0);
		AtomicInteger nice = new AtomicInteger(Integer.MIN_VALUE);
		// named as HotSpot's C2 threads are; this JVM's own are at the serving priority, so
		// they are left alone
		Thread compiler = new Thread(() -> {
			CpuPriority.setNiceOfCallingThread(own - 2);
			raised.countDown();
			try {
				while (look.tryAcquire(10, TimeUnit.SECONDS)) {
					nice.set(CpuPriority.niceOfCallingThread());
					seen.release();
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}, "C2 CompilerThread-test");
		compiler.setDaemon(true);
		compiler.start();
		raised.await();
		try {
			assertThat(StartPriority.lowerCompilerThreads(Map.of())).as("not a restarted process").isZero();
			assertThat(niceOf(compiler, look, seen, nice)).isEqualTo(own - 2);

			assertThat(StartPriority.lowerCompilerThreads(env)).isEqualTo(1);
			assertThat(niceOf(compiler, look, seen, nice)).isEqualTo(CpuPriority.NICEST);

			new StartPriority(10, env).asServiceManager().ready();
			assertThat(niceOf(compiler, look, seen, nice)).isEqualTo(own);
			assertThat(StartPriority.lowerCompilerThreads(env)).as("once ready").isZero();
			assertThat(niceOf(compiler, look, seen, nice)).isEqualTo(own);
		}
		finally {
			compiler.interrupt();
		}
	}

	private static int niceOf(Thread thread, Semaphore look, Semaphore seen, AtomicInteger nice)
			throws InterruptedException {
		look.release();
		assertThat(seen.tryAcquire(10, TimeUnit.SECONDS)).as("%s answered", thread.getName()).isTrue();
		return nice.get();
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
