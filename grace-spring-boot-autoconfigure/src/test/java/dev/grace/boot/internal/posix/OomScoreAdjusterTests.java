package dev.grace.boot.internal.posix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.grace.boot.internal.ParentChannel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * Who the OOM killer prefers during a restart, on a sample {@code /proc} of a child
 * (pid 4300) started by its parent (pid 4242), and once on the real kernel.
 */
class OomScoreAdjusterTests {

	@TempDir
	Path proc;

	@Test
	void theParentMakesItsNewProcessThePreferredVictimWhileItStarts() throws IOException {
		score("4300", 0);

		adjuster().childStarted(4300);

		assertThat(score("4300")).isEqualTo(1000);
	}

	@Test
	void theNewProcessTakesItsParentsValueBackOnceItServes() throws IOException {
		self(4242, 1000);
		score("4242", 100);

		adjuster().serving(2, List.of(), parent(4242));

		assertThat(score("self")).isEqualTo(100);
	}

	@Test
	void aProcessThatIsReplacedIsThePreferredVictimWhileItDrains() throws IOException {
		self(1, 0);

		adjuster().replacedBy(4300, 2, List.of());

		assertThat(score("self")).isEqualTo(1000);
	}

	@Test
	void aProcessStartedByHandKeepsItsValue() throws IOException {
		self(1, 1000);

		adjuster().serving(1, List.of(), parent(-1));

		assertThat(score("self")).isEqualTo(1000);
	}

	@Test
	void aNewProcessWhoseParentIsGoneKeepsItsValue() throws IOException {
		// reparented to init: pid 4242 may be another process by now
		self(1, 1000);
		score("4242", -500);

		adjuster().serving(2, List.of(), parent(4242));

		assertThat(score("self")).isEqualTo(1000);
	}

	@Test
	void nothingToReadOrWriteNeverFailsARestart() {
		assertThatCode(() -> {
			adjuster().childStarted(4300);
			adjuster().serving(2, List.of(), parent(4242));
			adjuster().replacedBy(4300, 2, List.of());
		}).doesNotThrowAnyException();
	}

	@Test
	void theKernelLetsAParentRaiseItsChildsValue() throws Exception {
		Process sleep = new ProcessBuilder("sleep", "30").start();
		try {
			Path real = Path.of("/proc/" + sleep.pid() + "/oom_score_adj");
			int before = Integer.parseInt(Files.readString(real).trim());

			new OomScoreAdjuster().childStarted(sleep.pid());

			assertThat(Files.readString(real).trim()).isEqualTo("1000");
			assertThat(before).isLessThan(1000);
		}
		finally {
			sleep.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
		}
	}

	private OomScoreAdjuster adjuster() {
		return new OomScoreAdjuster(this.proc);
	}

	private void self(long parentPid, int score) throws IOException {
		score("self", score);
		Files.writeString(this.proc.resolve("self/stat"), "4300 (java) S " + parentPid + " 4300 4100 0 -1 4194560\n");
	}

	private void score(String pid, int score) throws IOException {
		Files.writeString(Files.createDirectories(this.proc.resolve(pid)).resolve("oom_score_adj"), score + "\n");
	}

	private int score(String pid) throws IOException {
		return Integer.parseInt(Files.readString(this.proc.resolve(pid).resolve("oom_score_adj")).trim());
	}

	private static ParentChannel parent(long pid) {
		return new ParentChannel() {

			@Override
			public long pid() {
				return pid;
			}

			@Override
			public boolean notifyReady() {
				return true;
			}

		};
	}

}
