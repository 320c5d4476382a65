package dev.grace.boot.internal.posix;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class ChildCommandTests {

	@Test
	void repeatsThisJvmsCommandLineWithTheOpeningItNeeds() {
		ChildCommand command = ChildCommand.ofCurrentProcess(Map.of("PATH", "/bin"));
		assertThat(command.argv().get(0)).isEqualTo(ProcessHandle.current().info().command().orElseThrow());
		assertThat(ChildCommand.hasRequiredOption(command.argv())).isTrue();
		assertThat(command.argv().stream().filter((arg) -> arg.contains("sun.nio.ch=ALL-UNNAMED"))).hasSize(1);
	}

	@Test
	void recognisesBothSpellingsOfTheOpening() {
		assertThat(ChildCommand.hasRequiredOption(
				List.of("java", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "-jar", "app.jar")))
			.isTrue();
		assertThat(ChildCommand.hasRequiredOption(
				List.of("java", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "-jar", "app.jar")))
			.isTrue();
		assertThat(ChildCommand.hasRequiredOption(List.of("java", "-jar", "app.jar", "--add-opens"))).isFalse();
	}

	@Test
	void dropsInheritedVariablesAndMovesHotSpotsSuspendSignal() {
		ChildCommand command = ChildCommand.ofCurrentProcess(Map.of("LISTEN_FDS", "2", "LISTEN_PID", "7",
				"LISTEN_FDNAMES", "a:b", "GRACE_READY_FD", "5", "GRACE_PARENT_PID", "6", "GRACE_GENERATION", "3",
				"GRACE_RESTART_TRIGGER", "signal", "GRACE_RESTART_REQUESTED_AT", "1700000000000", "GRACE_RESTART_TALLY",
				"failed.signal=1", "APP_SETTING", "kept"));
		assertThat(command.env()).containsOnly(Map.entry("APP_SETTING", "kept"), Map.entry("_JAVA_SR_SIGNUM", "39"));
	}

	@Test
	void startsInTheLogicalDirectoryAndSaysSoInPwd() {
		ChildCommand command = ChildCommand.ofCurrentProcess(Map.of("PWD", "/home/me", "APP_SETTING", "kept"),
				new WorkingDirectory(Path.of("/srv/app/current")));
		assertThat(command.directory()).isEqualTo(Path.of("/srv/app/current"));
		assertThat(command.env()).containsEntry("PWD", "/srv/app/current").containsEntry("APP_SETTING", "kept");
	}

	@Test
	void findsTheJarAmongTheLaunchersOptions() {
		assertThat(jar("-Xmx64m", "-Dx=y", "-jar", "app.jar", "--server.port=1")).isEqualTo("app.jar");
		assertThat(jar("--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "-jar", "/srv/app.jar"))
			.isEqualTo("/srv/app.jar");
		assertThat(jar("-cp", "-jar", "com.example.Main")).as("-jar as a class path").isNull();
		assertThat(jar("-cp", "app.jar", "com.example.Main", "-jar", "x.jar")).as("an application argument")
			.isNull();
		assertThat(jar("-m", "app/com.example.Main")).isNull();
		assertThat(jar("-jar")).isNull();
	}

	@Test
	void keepsAUsersChoiceOfSuspendSignal() {
		assertThat(ChildCommand.ofCurrentProcess(Map.of("_JAVA_SR_SIGNUM", "40")).env())
			.containsEntry("_JAVA_SR_SIGNUM", "40");
	}

	@Test
	void allowsJnrsNativeAccessOnJdk24AndLaterOnly() {
		List<String> argv = List.of("/usr/bin/java", "-Xmx64m", "-jar", "app.jar", "--server.port=1");
		assertThat(ChildCommand.of(argv, Map.of(), 17).argv()).doesNotContain(ChildCommand.NATIVE_ACCESS_OPTIONS.get(0))
			.doesNotContain(ChildCommand.NATIVE_ACCESS_OPTIONS.get(1));
		List<String> on25 = ChildCommand.of(argv, Map.of(), 25).argv();
		assertThat(on25).containsAll(ChildCommand.NATIVE_ACCESS_OPTIONS);
		assertThat(on25.indexOf(ChildCommand.NATIVE_ACCESS_OPTIONS.get(0))).isLessThan(on25.indexOf("-jar"));
		assertThat(on25.subList(on25.indexOf("-jar"), on25.size())).containsExactly("-jar", "app.jar",
				"--server.port=1");
	}

	@Test
	void keepsAUsersOwnNativeAccessOptions() {
		List<String> argv = List.of("/usr/bin/java", "--enable-native-access=com.example", "-jar", "app.jar");
		List<String> child = ChildCommand.of(argv, Map.of(), 25).argv();
		assertThat(child).contains("--enable-native-access=com.example", "--sun-misc-unsafe-memory-access=allow")
			.doesNotContain("--enable-native-access=ALL-UNNAMED");
	}

	@Test
	void anotherJarReplacesOnlyTheLaunchersJarArgument() {
		ChildCommand command = new ChildCommand(List.of("/usr/bin/java", "-cp", "-jar", "-jar", "app.jar", "-jar",
				"x.jar"), Map.of("A", "1"), Path.of("/srv"));
		ChildCommand moved = command.withJar("/cache/k.layout/app.jar");
		assertThat(moved.argv()).containsExactly("/usr/bin/java", "-cp", "-jar", "-jar", "/cache/k.layout/app.jar",
				"-jar", "x.jar");
		assertThat(moved.env()).isEqualTo(command.env());
		assertThat(moved.directory()).isEqualTo(Path.of("/srv"));
		assertThatIllegalStateException()
			.isThrownBy(() -> new ChildCommand(List.of("/usr/bin/java", "Main", "-jar", "a.jar"), Map.of())
				.withJar("b.jar"));
	}

	private static String jar(String... args) {
		List<String> argv = new java.util.ArrayList<>(List.of("/usr/bin/java"));
		argv.addAll(List.of(args));
		return new ChildCommand(argv, Map.of()).jar();
	}

}
