// Inert example: nothing here is ever executed by depshield; the host does not resolve.
module.exports = function greet(name) {
  return `hello ${name}`;
};
