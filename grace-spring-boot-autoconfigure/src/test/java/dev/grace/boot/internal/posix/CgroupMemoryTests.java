package dev.grace.boot.internal.posix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.grace.boot.internal.posix.CgroupMemory.Limit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Memory limits read from sample {@code /proc} and cgroup files, laid out as the kernel
 * shows them: cgroup v1 (this project's CI machine: a v1 memory hierarchy beside a v2
 * one without the memory controller), cgroup v2, containers, and no limit at all.
 */
class CgroupMemoryTests {

	static final long MIB = 1024 * 1024;

	static final String V1_MOUNTS = """
			31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
			32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
			35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
			41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
			""";

	static final String V1_CGROUPS = """
			9:name=systemd:/
			4:memory:/process_api/app
			1:cpu:/
			0::/
			""";

	static final String V2_MOUNTS = """
			25 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw
			30 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate
			""";

	static final String V1_UNLIMITED = "9223372036854771712";

	@TempDir
	Path root;

	@Test
	void cgroupV1ReadsTheMemoryHierarchyNotTheUnifiedOne() throws IOException {
		proc(V1_CGROUPS, V1_MOUNTS);
		Path memory = this.root.resolve("sys/fs/cgroup/memory");
		v1(memory, V1_UNLIMITED, 900 * MIB, 300 * MIB);
		v1(memory.resolve("process_api"), V1_UNLIMITED, 600 * MIB, 200 * MIB);
		v1(memory.resolve("process_api/app"), String.valueOf(250 * MIB), 160 * MIB, 15 * MIB);
		v2(this.root.resolve("sys/fs/cgroup/unified"), null, 0, 0);

		Limit limit = new CgroupMemory(this.root).tightest();

		assertThat(limit).isEqualTo(new Limit("/process_api/app", 1, 250 * MIB, 160 * MIB, 15 * MIB));
		assertThat(limit.free()).as("the inactive page cache counts as free").isEqualTo(105 * MIB);
	}

	@Test
	void cgroupV1WithoutALimit() throws IOException {
		proc(V1_CGROUPS, V1_MOUNTS);
		Path memory = this.root.resolve("sys/fs/cgroup/memory");
		v1(memory, V1_UNLIMITED, 900 * MIB, 300 * MIB);
		v1(memory.resolve("process_api"), V1_UNLIMITED, 600 * MIB, 200 * MIB);
		v1(memory.resolve("process_api/app"), V1_UNLIMITED, 160 * MIB, 15 * MIB);

		assertThat(new CgroupMemory(this.root).tightest()).isNull();
	}

	@Test
	void cgroupV2ReadsMemoryMaxAndCurrent() throws IOException {
		proc("0::/system.slice/app.service\n", V2_MOUNTS);
		Path cgroups = this.root.resolve("sys/fs/cgroup");
		v2(cgroups, null, 0, 0);
		v2(cgroups.resolve("system.slice"), "max", 2000 * MIB, 500 * MIB);
		v2(cgroups.resolve("system.slice/app.service"), String.valueOf(250 * MIB), 150 * MIB, 5 * MIB);

		assertThat(new CgroupMemory(this.root).tightest())
			.isEqualTo(new Limit("/system.slice/app.service", 2, 250 * MIB, 150 * MIB, 5 * MIB));
	}

	@Test
	void aParentsLimitBindsWhenItLeavesLessRoom() throws IOException {
		proc("0::/kubepods/pod1/app\n", V2_MOUNTS);
		Path cgroups = this.root.resolve("sys/fs/cgroup");
		v2(cgroups, null, 0, 0);
		v2(cgroups.resolve("kubepods"), "max", 4000 * MIB, 0);
		v2(cgroups.resolve("kubepods/pod1"), String.valueOf(512 * MIB), 450 * MIB, 0);
		v2(cgroups.resolve("kubepods/pod1/app"), String.valueOf(400 * MIB), 150 * MIB, 0);

		Limit limit = new CgroupMemory(this.root).tightest();

		assertThat(limit.cgroup()).isEqualTo("/kubepods/pod1");
		assertThat(limit.free()).isEqualTo(62 * MIB);
	}

	@Test
	void cgroupV2WithoutALimit() throws IOException {
		proc("0::/user.slice\n", V2_MOUNTS);
		Path cgroups = this.root.resolve("sys/fs/cgroup");
		v2(cgroups, null, 0, 0);
		v2(cgroups.resolve("user.slice"), "max", 700 * MIB, 0);

		assertThat(new CgroupMemory(this.root).tightest()).isNull();
	}

	@Test
	void cgroupV2WithoutTheMemoryControllerHasNoLimit() throws IOException {
		proc("0::/app\n", V2_MOUNTS);
		Files.createDirectories(this.root.resolve("sys/fs/cgroup/app"));

		assertThat(new CgroupMemory(this.root).tightest()).isNull();
	}

	@Test
	void containerWithACgroupNamespaceSeesItsOwnCgroupAtTheTop() throws IOException {
		// docker run -m 256m: /proc/self/cgroup says "/", the mount shows the container's cgroup
		proc("0::/\n", V2_MOUNTS.replace("/dev/sda1", "overlay"));
		v2(this.root.resolve("sys/fs/cgroup"), String.valueOf(256 * MIB), 180 * MIB, 20 * MIB);

		assertThat(new CgroupMemory(this.root).tightest())
			.isEqualTo(new Limit("/", 2, 256 * MIB, 180 * MIB, 20 * MIB));
	}

	@Test
	void containerWithoutACgroupNamespaceOnCgroupV1() throws IOException {
		// the mount's root is the container's cgroup, /proc/self/cgroup gives the full path
		proc("12:memory:/docker/0123abc\n0::/docker/0123abc\n",
				"40 31 0:32 /docker/0123abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n");
		v1(this.root.resolve("sys/fs/cgroup/memory"), String.valueOf(300 * MIB), 200 * MIB, 10 * MIB);

		assertThat(new CgroupMemory(this.root).tightest())
			.isEqualTo(new Limit("/docker/0123abc", 1, 300 * MIB, 200 * MIB, 10 * MIB));
	}

	@Test
	void escapedMountPoints() throws IOException {
		proc("0::/app\n", "30 25 0:26 / /mnt/cgroup\\040two rw - cgroup2 cgroup2 rw\n");
		v2(this.root.resolve("mnt/cgroup two/app"), String.valueOf(100 * MIB), 10 * MIB, 0);

		assertThat(new CgroupMemory(this.root).tightest().limit()).isEqualTo(100 * MIB);
	}

	@Test
	void nothingToReadIsNoLimit() {
		assertThat(new CgroupMemory(this.root).tightest()).isNull();
	}

	@Test
	void thisMachineCanBeRead() {
		Limit limit = new CgroupMemory(Path.of("/")).tightest();
		if (limit != null) {
			assertThat(limit.limit()).isPositive();
			assertThat(limit.usage()).isPositive();
		}
	}

	private void proc(String cgroups, String mounts) throws IOException {
		Path self = Files.createDirectories(this.root.resolve("proc/self"));
		Files.writeString(self.resolve("cgroup"), cgroups);
		Files.writeString(self.resolve("mountinfo"), mounts);
	}

	private static void v1(Path dir, String limit, long usage, long inactiveFile) throws IOException {
		Files.createDirectories(dir);
		Files.writeString(dir.resolve("memory.limit_in_bytes"), limit + "\n");
		Files.writeString(dir.resolve("memory.usage_in_bytes"), usage + "\n");
		Files.writeString(dir.resolve("memory.stat"), "cache 1\nrss 2\ninactive_file 3\nhierarchical_memory_limit "
				+ limit + "\ntotal_cache 4\ntotal_inactive_file " + inactiveFile + "\ntotal_active_file 5\n");
	}

	// limit null: the root cgroup, which has no memory.max
	private static void v2(Path dir, String limit, long current, long inactiveFile) throws IOException {
		Files.createDirectories(dir);
		if (limit != null) {
			Files.writeString(dir.resolve("memory.max"), limit + "\n");
		}
		Files.writeString(dir.resolve("memory.current"), current + "\n");
		Files.writeString(dir.resolve("memory.stat"),
				"anon 1\nfile 2\nactive_anon 3\ninactive_file " + inactiveFile + "\nactive_file 4\n");
	}

}
