package dev.grace.boot.internal.supervisor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class SupervisorTests {

	@TempDir
	Path dir;

	@Test
	void exitsWithTheServingProcessesStatusAsAShellWould() {
		assertThat(Supervisor.exitCode(0)).isZero();
		assertThat(Supervisor.exitCode(3 << 8)).isEqualTo(3);
		assertThat(Supervisor.exitCode(9)).isEqualTo(137);
		assertThat(Supervisor.exitCode(15)).isEqualTo(143);
	}

	@Test
	void readsTheSuccessorFromTheMessage() {
		assertThat(SupervisorChannel.mainPid("MAINPID=1234")).isEqualTo(1234);
		assertThat(SupervisorChannel.mainPid("READY=1\nMAINPID=77\n")).isEqualTo(77);
		assertThat(SupervisorChannel.mainPid("MAINPID=x")).isEqualTo(-1);
		assertThat(SupervisorChannel.mainPid(null)).isEqualTo(-1);
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
