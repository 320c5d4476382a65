/**
 * The {@code grace} actuator endpoint.
 */
@NullMarked
package dev.grace.boot.actuate;

import org.jspecify.annotations.NullMarked;
