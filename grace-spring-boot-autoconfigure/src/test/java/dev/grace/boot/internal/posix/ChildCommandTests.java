package dev.grace.boot.internal.posix;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

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
				"APP_SETTING", "kept"));
		assertThat(command.env()).containsOnly(Map.entry("APP_SETTING", "kept"), Map.entry("_JAVA_SR_SIGNUM", "39"));
	}

	@Test
	void keepsAUsersChoiceOfSuspendSignal() {
		assertThat(ChildCommand.ofCurrentProcess(Map.of("_JAVA_SR_SIGNUM", "40")).env())
			.containsEntry("_JAVA_SR_SIGNUM", "40");
	}

}
