package dev.grace.boot.internal.posix;

/**
 * Thrown when the socket-activation variables or the descriptors they name cannot be
 * used. The message names the variable or the descriptor, so that one log line says
 * what is wrong.
 */
public class InvalidListenFdsException extends IllegalStateException {

	public InvalidListenFdsException(String message) {
		super(message);
	}

}
