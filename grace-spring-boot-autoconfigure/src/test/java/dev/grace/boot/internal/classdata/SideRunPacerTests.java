package dev.grace.boot.internal.classdata;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.grace.boot.internal.classdata.SideRunPacer.Paced;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Real processes and real signals; only the serving process's CPU time is made up.
 */
@ExtendWith(OutputCaptureExtension.class)
class SideRunPacerTests {

	private final AtomicBoolean busy = new AtomicBoolean();

	private final AtomicLong cpu = new AtomicLong();

	// each sample of a busy process adds a whole CPU-second
	private final QuietPeriods quiet = new QuietPeriods(
			() -> this.busy.get() ? this.cpu.addAndGet(1_000_000_000L) : this.cpu.get(), System::nanoTime);

	private Process process;

	@AfterEach
	void end() throws InterruptedException {
		if (this.process != null) {
			this.process.descendants().forEach(ProcessHandle::destroyForcibly);
			this.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
		}
	}

	@Test
	void aSideRunAndWhatItStartedStopWhileTheServingProcessIsBusyAndGoOnOnceItIsQuiet() throws Exception {
		this.process = new ProcessBuilder("sh", "-c", "sleep 60 & wait").start();
		await().until(() -> this.process.descendants().count() == 1);
		long sleeper = this.process.descendants().findFirst().orElseThrow().pid();
		SideRunPacer pacer = new SideRunPacer(this.quiet, SideRunPacer.Signals.POSIX, System::nanoTime,
				Duration.ofMinutes(1));
		CompletableFuture<Paced> paced = pace(pacer, Duration.ofMinutes(1));
		this.busy.set(true);
		await().atMost(Duration.ofSeconds(5)).until(() -> state(this.process.pid()) == 'T' && state(sleeper) == 'T');
		this.busy.set(false);
		// continued a second after the serving process went quiet, not before: the quiet
		// second counts from the last busy sample, up to one sampling interval before now
		long quietAt = System.nanoTime();
		Duration quietEnough = QuietPeriods.QUIET_FOR.minus(SideRunPacer.WAITING_INTERVAL);
		await().atMost(Duration.ofSeconds(5)).until(() -> state(this.process.pid()) == 'S' && state(sleeper) == 'S');
		assertThat(Duration.ofNanos(System.nanoTime() - quietAt)).isGreaterThanOrEqualTo(quietEnough);
		this.process.descendants().forEach(ProcessHandle::destroy);
		Paced result = paced.get(10, TimeUnit.SECONDS);
		assertThat(result.ending()).isEqualTo(Paced.Ending.EXITED);
		assertThat(result.pauses()).isEqualTo(1);
		assertThat(Duration.ofNanos(result.pausedNanos())).isGreaterThanOrEqualTo(quietEnough);
		assertThat(result.pausesSummary()).startsWith("paused 1 time(s), ").endsWith(" ms in all, while this process was busy");
	}

	@Test
	void aSideRunStoppedLongerThanItsLimitIsGivenUpStillStopped() throws Exception {
		this.process = new ProcessBuilder("sleep", "60").start();
		this.busy.set(true);
		SideRunPacer pacer = new SideRunPacer(this.quiet, SideRunPacer.Signals.POSIX, System::nanoTime,
				Duration.ofMillis(300));
		Paced result = pacer.pace(this.process, Duration.ofMinutes(1));
		assertThat(result.ending()).isEqualTo(Paced.Ending.PAUSED_TOO_LONG);
		assertThat(Duration.ofNanos(result.pausedNanos())).isGreaterThan(Duration.ofMillis(300));
		assertThat(state(this.process.pid())).isEqualTo('T');
	}

	@Test
	void theTimeLimitCountsOnlyTheTimeItRan() throws Exception {
		this.process = new ProcessBuilder("sleep", "60").start();
		SideRunPacer pacer = new SideRunPacer(this.quiet, SideRunPacer.Signals.POSIX, System::nanoTime,
				Duration.ofMinutes(1));
		this.busy.set(true);
		CompletableFuture<Paced> paced = pace(pacer, Duration.ofMillis(500));
		await().atMost(Duration.ofSeconds(5)).until(() -> state(this.process.pid()) == 'T');
		Thread.sleep(1000); // stopped for longer than the limit: it does not count
		assertThat(paced).isNotDone();
		this.busy.set(false);
		Paced result = paced.get(10, TimeUnit.SECONDS);
		assertThat(result.ending()).isEqualTo(Paced.Ending.TIMED_OUT);
		assertThat(Duration.ofNanos(result.ranNanos())).isGreaterThan(Duration.ofMillis(500))
			.isLessThan(Duration.ofNanos(result.ranNanos() + result.pausedNanos()));
	}

	@Test
	void awaitingQuietGivesUpWhenClosed() throws Exception {
		this.busy.set(true);
		SideRunPacer pacer = new SideRunPacer(this.quiet, SideRunPacer.Signals.POSIX, System::nanoTime,
				Duration.ofMinutes(1));
		AtomicBoolean closed = new AtomicBoolean();
		CompletableFuture<Boolean> awaited = awaitQuiet(pacer, closed);
		Thread.sleep(300);
		assertThat(awaited).isNotDone();
		closed.set(true);
		assertThat(awaited.get(5, TimeUnit.SECONDS)).isFalse();
	}

	@Test
	void aTrainingThatWaitedAMinuteForQuietSaysSoOnce(CapturedOutput output) throws Exception {
		this.busy.set(true);
		AtomicLong clock = new AtomicLong();
		// each look at the clock is 20 s later: a minute passes in a few samples
		SideRunPacer pacer = new SideRunPacer(this.quiet, SideRunPacer.Signals.POSIX,
				() -> clock.addAndGet(20_000_000_000L), Duration.ofMinutes(1));
		AtomicBoolean closed = new AtomicBoolean();
		CompletableFuture<Boolean> awaited = awaitQuiet(pacer, closed);
		await().atMost(Duration.ofSeconds(5)).until(() -> output.getOut().contains("training waits"));
		Thread.sleep(500); // more samples, more minutes: still one line
		closed.set(true);
		assertThat(awaited.get(5, TimeUnit.SECONDS)).isFalse();
		assertThat(output.getOut().split("training waits", -1)).hasSize(2);
		assertThat(output.getOut()).contains("Class data: training waits for this process to be quiet (a second "
				+ "using less than 10 % of a CPU); it has been busy for 60 s");
	}

	private static CompletableFuture<Boolean> awaitQuiet(SideRunPacer pacer, AtomicBoolean closed) {
		return CompletableFuture.supplyAsync(() -> {
			try {
				return pacer.awaitQuiet(closed::get);
			}
			catch (InterruptedException ex) {
				throw new IllegalStateException(ex);
			}
		});
	}

	private CompletableFuture<Paced> pace(SideRunPacer pacer, Duration timeout) {
		return CompletableFuture.supplyAsync(() -> {
			try {
				return pacer.pace(this.process, timeout);
			}
			catch (InterruptedException ex) {
				throw new IllegalStateException(ex);
			}
		});
	}

	// the state letter of /proc/<pid>/stat: S sleeping, T stopped
	private static char state(long pid) {
		try {
			String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
			return List.of(stat.substring(stat.lastIndexOf(')') + 2).split(" ")).get(0).charAt(0);
		}
		catch (IOException ex) {
			return '?';
		}
	}

}
