package dev.grace.boot.internal.posix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.grace.boot.restart.RestartRefusedException;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The room a restart needs under a memory limit, from sample files: the issue's own
 * figures (a 250 MiB limit, a process of 145 MiB).
 */
class MemoryHeadroomTests {

	private static final long MIB = CgroupMemoryTests.MIB;

	@TempDir
	Path root;

	@Test
	void refusesWhenTheLimitLeavesLessThanThisProcessesResidentSize() throws IOException {
		cgroup(250 * MIB, 145 * MIB, 0);
		resident(145 * MIB);

		assertThatExceptionOfType(RestartRefusedException.class).isThrownBy(() -> check(1.0))
			.withMessage("not enough memory for a new process: the memory limit of 250 MiB (cgroup /app) leaves "
					+ "105 MiB, a new process needs about 145 MiB (this process's resident size × "
					+ "grace.memory-headroom 1.0)");
	}

	@Test
	void allowsWhenThereIsRoom() throws IOException {
		cgroup(380 * MIB, 145 * MIB, 0);
		resident(145 * MIB);

		assertThatCode(() -> check(1.0)).doesNotThrowAnyException();
	}

	@Test
	void reclaimablePageCacheIsRoom() throws IOException {
		// a process that wrote logs: the cgroup is nearly full of page cache the kernel frees first
		cgroup(380 * MIB, 370 * MIB, 200 * MIB);
		resident(145 * MIB);

		assertThatCode(() -> check(1.0)).doesNotThrowAnyException();
	}

	@Test
	void theFactorScalesTheEstimate() throws IOException {
		cgroup(250 * MIB, 145 * MIB, 0);
		resident(145 * MIB);

		assertThatCode(() -> check(0.7)).doesNotThrowAnyException();
		assertThatExceptionOfType(RestartRefusedException.class).isThrownBy(() -> check(0.8))
			.withMessageEndingWith("leaves 105 MiB, a new process needs about 116 MiB (this process's resident size "
					+ "of 145 MiB × grace.memory-headroom 0.8)");
	}

	@Test
	void zeroTurnsTheCheckOff() throws IOException {
		cgroup(250 * MIB, 249 * MIB, 0);
		resident(145 * MIB);

		assertThatCode(() -> check(0)).doesNotThrowAnyException();
	}

	@Test
	void noLimitNothingToCheck() throws IOException {
		cgroup(-1, 145 * MIB, 0);
		resident(145 * MIB);

		assertThatCode(() -> check(1.0)).doesNotThrowAnyException();
	}

	@Test
	void aUsageAboveTheLimitLeavesNothing() throws IOException {
		cgroup(250 * MIB, 260 * MIB, 0);
		resident(145 * MIB);

		assertThatExceptionOfType(RestartRefusedException.class).isThrownBy(() -> check(1.0))
			.withMessageContaining("leaves 0 MiB");
	}

	@Test
	void thisProcessCanBeChecked() {
		assertThatCode(() -> new MemoryHeadroom(0.000001).check()).doesNotThrowAnyException();
	}

	private void check(double factor) {
		new MemoryHeadroom(factor, this.root).check();
	}

	// limit -1: none
	private void cgroup(long limit, long current, long inactiveFile) throws IOException {
		Path self = Files.createDirectories(this.root.resolve("proc/self"));
		Files.writeString(self.resolve("cgroup"), "0::/app\n");
		Files.writeString(self.resolve("mountinfo"), CgroupMemoryTests.V2_MOUNTS);
		Path app = Files.createDirectories(this.root.resolve("sys/fs/cgroup/app"));
		Files.writeString(app.resolve("memory.max"), ((limit < 0) ? "max" : String.valueOf(limit)) + "\n");
		Files.writeString(app.resolve("memory.current"), current + "\n");
		Files.writeString(app.resolve("memory.stat"), "anon 1\ninactive_file " + inactiveFile + "\n");
	}

	private void resident(long bytes) throws IOException {
		Files.writeString(Files.createDirectories(this.root.resolve("proc/self")).resolve("status"),
				"Name:\tjava\nVmPeak:\t 3000000 kB\nVmHWM:\t  200000 kB\nVmRSS:\t  " + (bytes / 1024)
						+ " kB\nRssAnon:\t  100000 kB\n");
	}

}
