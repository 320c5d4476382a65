package dev.grace.boot.internal.posix;

import java.util.Map;
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
		// a thread of a process that started boosted
		try (BoostedThread boosted = new BoostedThread("boosted", own - 2)) {
			new StartPriority(10, Map.of(StartPriority.VARIABLE, Integer.toString(own))).asServiceManager().ready();

			assertThat(boosted.nice()).isEqualTo(own);
		}
	}

	@Test
	void compilerThreadsStartAtTheLowestPriorityUntilReady() throws Exception {
		int own = CpuPriority.niceOfCallingThread();
		assumeMayRaise(own);
		Map<String, String> env = Map.of(StartPriority.VARIABLE, Integer.toString(own));
		// named as HotSpot's C2 threads are; this JVM's own are at the serving priority, so
		// they are left alone
		try (BoostedThread compiler = new BoostedThread("C2 CompilerThread-test", own - 2)) {
			assertThat(StartPriority.lowerCompilerThreads(Map.of())).as("not a restarted process").isZero();
			assertThat(compiler.nice()).isEqualTo(own - 2);

			assertThat(StartPriority.lowerCompilerThreads(env)).isEqualTo(1);
			assertThat(compiler.nice()).isEqualTo(CpuPriority.NICEST);

			new StartPriority(10, env).asServiceManager().ready();
			assertThat(compiler.nice()).isEqualTo(own);
			assertThat(StartPriority.lowerCompilerThreads(env)).as("once ready").isZero();
			assertThat(compiler.nice()).isEqualTo(own);
		}
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

	/**
	 * A thread at a nice value of its own, which only it can read (Java knows no thread's
	 * id in the kernel): it reads it when asked.
	 */
	private static final class BoostedThread implements AutoCloseable {

		private final Semaphore look = new Semaphore(0);

		private final Semaphore seen = new Semaphore(0);

		private final AtomicInteger nice = new AtomicInteger(Integer.MIN_VALUE);

		private final Thread thread;

		BoostedThread(String name, int nice) throws InterruptedException {
			this.thread = new Thread(() -> run(nice), name);
			this.thread.setDaemon(true);
			this.thread.start();
			assertThat(nice()).as("%s at nice %d", name, nice).isEqualTo(nice);
		}

		private void run(int value) {
			CpuPriority.setNiceOfCallingThread(value);
			try {
				while (this.look.tryAcquire(10, TimeUnit.SECONDS)) {
					this.nice.set(CpuPriority.niceOfCallingThread());
					this.seen.release();
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

		int nice() throws InterruptedException {
			this.look.release();
			assertThat(this.seen.tryAcquire(10, TimeUnit.SECONDS)).as("%s answered", this.thread.getName()).isTrue();
			return this.nice.get();
		}

		@Override
		public void close() {
			this.thread.interrupt();
		}

	}

}
