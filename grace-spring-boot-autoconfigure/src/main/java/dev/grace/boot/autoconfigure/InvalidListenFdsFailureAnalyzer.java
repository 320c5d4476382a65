package dev.grace.boot.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import dev.grace.boot.internal.posix.InvalidListenFdsException;

/**
 * Explains a start that stopped because the inherited sockets (or the variables that
 * announce them) cannot be used. Nothing was bound at that point.
 */
class InvalidListenFdsFailureAnalyzer extends AbstractFailureAnalyzer<InvalidListenFdsException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidListenFdsException cause) {
		return new FailureAnalysis("Inherited sockets cannot be used: " + cause.getMessage(),
				"Start the application with LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES as sd_listen_fds(3) "
						+ "describes them (listening TCP sockets from fd 3, LISTEN_PID this process), "
						+ "or without these variables to bind the configured ports.",
				cause);
	}

}
