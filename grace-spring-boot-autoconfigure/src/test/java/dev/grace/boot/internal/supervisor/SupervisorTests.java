package dev.grace.boot.internal.supervisor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import jnr.unixsocket.UnixDatagramChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.grace.boot.internal.SpawnedChild.ExitStatus;

import static org.assertj.core.api.Assertions.assertThat;

class SupervisorTests {

	@TempDir
	Path dir;

	@Test
	void exitsWithTheServingProcessesStatusAsAShellWould() {
		// the supervisor passes on its serving process's waitpid status this way
		assertThat(ExitStatus.of(0).shellCode()).isZero();
		assertThat(ExitStatus.of(3 << 8).shellCode()).isEqualTo(3);
		assertThat(ExitStatus.of(9).shellCode()).isEqualTo(137);
		assertThat(ExitStatus.of(15).shellCode()).isEqualTo(143);
		assertThat(ExitStatus.of(3 << 8)).hasToString("exit code 3");
		assertThat(ExitStatus.of(9)).hasToString("killed by signal 9");
	}

	@Test
	void readsTheSuccessorFromTheMessage() {
		assertThat(SupervisorChannel.mainPid("MAINPID=1234")).isEqualTo(1234);
		assertThat(SupervisorChannel.mainPid("READY=1\nMAINPID=77\n")).isEqualTo(77);
		assertThat(SupervisorChannel.mainPid("MAINPID=x")).isEqualTo(-1);
		assertThat(SupervisorChannel.mainPid(null)).isEqualTo(-1);
		assertThat(SupervisorChannel.mainPid("MAINPID=0")).isEqualTo(-1);
		assertThat(SupervisorChannel.mainPid("STOPPING=12")).isEqualTo(-1);
	}

	@Test
	void readsWhichProcessStopsForGood() {
		assertThat(SupervisorChannel.stoppingPid("STOPPING=12")).isEqualTo(12);
		assertThat(SupervisorChannel.stoppingPid("MAINPID=12")).isEqualTo(-1);
		assertThat(SupervisorChannel.stoppingPid("STOPPING=-3")).isEqualTo(-1);
		assertThat(SupervisorChannel.stoppingPid(null)).isEqualTo(-1);
	}

	@Test
	@Timeout(10)
	void theServingProcessNamesItsSuccessorOrSaysItStops() throws Exception {
		String name = "grace-supervisor-test-" + UUID.randomUUID();
		try (UnixDatagramChannel channel = UnixDatagramChannel.open()) {
			channel.bind(SupervisorChannel.address(name));
			SupervisorNotifier notifier = SupervisorNotifier
				.fromEnvironment(Map.of(SupervisorChannel.VARIABLE, name));
			assertThat(notifier).isNotNull();
			notifier.replacedBy(4242, 2, List.of());
			notifier.stopping();
			assertThat(receive(channel)).isEqualTo("MAINPID=4242");
			assertThat(receive(channel)).isEqualTo("STOPPING=" + ProcessHandle.current().pid());
		}
		assertThat(SupervisorNotifier.fromEnvironment(Map.of())).isNull();
	}

	private static String receive(UnixDatagramChannel channel) throws Exception {
		ByteBuffer buffer = ByteBuffer.allocate(512);
		channel.receive(buffer);
		buffer.flip();
		return StandardCharsets.US_ASCII.decode(buffer).toString();
	}

	@Test
	void onlyPidOneOrAnExplicitSwitchSupervisesAndNeverTwice() {
		boolean pid1 = ProcessHandle.current().pid() == 1;
		assertThat(SupervisorLauncher.isWanted(false, false, Map.of())).isEqualTo(pid1);
		assertThat(SupervisorLauncher.isWanted(true, false, Map.of())).isTrue();
		assertThat(SupervisorLauncher.isWanted(true, true, Map.of())).isFalse();
		assertThat(SupervisorLauncher.isWanted(true, false, Map.of(SupervisorChannel.VARIABLE, "x"))).isFalse();
	}

	@Test
	void aSpringBootJarIsRunThroughItsOwnLauncher() throws Exception {
		Path boot = jar("boot.jar", "org.springframework.boot.loader.launch.JarLauncher");
		Path plain = jar("plain.jar", "com.example.Main");
		assertThat(SupervisorLauncher.mainOf(boot.toString())).containsExactly(
				"-Dloader.main=" + Supervisor.class.getName(), "-cp", boot.toString(),
				"org.springframework.boot.loader.launch.PropertiesLauncher");
		assertThat(SupervisorLauncher.mainOf(plain.toString())).containsExactly("-cp", plain.toString(),
				Supervisor.class.getName());
		assertThat(SupervisorLauncher.mainOf("a.jar:b.jar")).containsExactly("-cp", "a.jar:b.jar",
				Supervisor.class.getName());
	}

	private Path jar(String name, String mainClass) throws Exception {
		Manifest manifest = new Manifest();
		manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
		manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
		Path jar = this.dir.resolve(name);
		try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
			out.flush();
		}
		return jar;
	}

}
