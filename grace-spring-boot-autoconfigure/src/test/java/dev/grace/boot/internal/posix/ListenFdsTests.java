package dev.grace.boot.internal.posix;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class ListenFdsTests {

	private static final long PID = 4242;

	@Test
	void noVariablesMeansNoDescriptors() {
		assertThat(ListenFds.parse(Map.of(), PID)).isEmpty();
	}

	@Test
	void descriptorsStartAtThreeWithTheirNames() {
		assertThat(ListenFds.parse(env("2", "4242", "server:management"), PID))
			.containsExactly(new InheritedFd(3, "server"), new InheritedFd(4, "management"));
	}

	@Test
	void namesDefaultToUnknownAsSystemdDoes() {
		assertThat(ListenFds.parse(Map.of("LISTEN_FDS", "1", "LISTEN_PID", "4242"), PID))
			.containsExactly(new InheritedFd(3, "unknown"));
	}

	@Test
	void descriptorsForAnotherProcessAreIgnored() {
		Map<String, String> env = env("1", "999", "server");
		assertThat(ListenFds.parse(env, PID)).isEmpty();
		assertThat(ListenFds.meantForAnotherProcess(env, PID)).isTrue();
		assertThat(ListenFds.meantForAnotherProcess(env("1", "4242", "server"), PID)).isFalse();
	}

	@Test
	void withoutListenPidTheDescriptorsAreNotOurs() {
		assertThat(ListenFds.parse(Map.of("LISTEN_FDS", "1"), PID)).isEmpty();
	}

	@Test
	void withoutListenPidTheDescriptorsAreOursWhenOurRealParentIsTheGraceParent() {
		Map<String, String> env = Map.of("LISTEN_FDS", "2", "LISTEN_FDNAMES", "server:management");
		assertThat(ListenFds.parse(env, PID, true)).containsExactly(new InheritedFd(3, "server"),
				new InheritedFd(4, "management"));
		assertThat(ListenFds.parse(env, PID, false)).isEmpty();
	}

	@Test
	void aListenPidForAnotherProcessWinsOverTheLineage() {
		assertThat(ListenFds.parse(env("1", "999", "server"), PID, true)).isEmpty();
	}

	@Test
	void garbageCountIsRejectedNamingTheVariable() {
		assertThatExceptionOfType(InvalidListenFdsException.class)
			.isThrownBy(() -> ListenFds.parse(env("three", "4242", null), PID))
			.withMessage("LISTEN_FDS='three' is not a number of descriptors");
	}

	@Test
	void negativeAndAbsurdCountsAreRejected() {
		assertThatExceptionOfType(InvalidListenFdsException.class)
			.isThrownBy(() -> ListenFds.parse(env("-1", "4242", null), PID))
			.withMessageContaining("LISTEN_FDS=-1 is out of range");
		assertThatExceptionOfType(InvalidListenFdsException.class)
			.isThrownBy(() -> ListenFds.parse(env("100000", "4242", null), PID))
			.withMessageContaining("LISTEN_FDS=100000 is out of range");
	}

	@Test
	void nameCountMustMatch() {
		assertThatExceptionOfType(InvalidListenFdsException.class)
			.isThrownBy(() -> ListenFds.parse(env("2", "4242", "server"), PID))
			.withMessage("LISTEN_FDNAMES='server' names 1 descriptors but LISTEN_FDS=2");
	}

	private static Map<String, String> env(String fds, String pid, String names) {
		Map<String, String> env = new java.util.HashMap<>();
		env.put("LISTEN_FDS", fds);
		env.put("LISTEN_PID", pid);
		if (names != null) {
			env.put("LISTEN_FDNAMES", names);
		}
		return env;
	}

}
