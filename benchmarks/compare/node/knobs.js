'use strict';
// The environment knobs of the Node peer scripts, read strictly: a mistyped value stops the script with
// an error that names the knob and what it takes, instead of measuring something else without a word.

function fail(message) {
  console.error(message);
  process.exit(2);
}

/** A whole number from the environment, at least `min`; `fallback` when unset or empty. */
function wholeNumber(name, fallback, min) {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) fail(`${name} takes a whole number of at least ${min}, not '${text}'`);
  return value;
}

/** A positive number (fractions allowed) from the environment; `fallback` when unset or empty. */
function positiveNumber(name, fallback) {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!(value > 0) || !Number.isFinite(value)) fail(`${name} takes a positive number, not '${text}'`);
  return value;
}

/** One of `choices` from the environment; `choices[0]` when unset or empty. */
function oneOf(name, choices) {
  const text = process.env[name];
  if (text === undefined || text === '') return choices[0];
  if (!choices.includes(text)) fail(`${name} takes ${choices.join(' or ')}, not '${text}'`);
  return text;
}

module.exports = { wholeNumber, positiveNumber, oneOf };
