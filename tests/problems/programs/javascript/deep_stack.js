function readName(settings) {
  return settings.config.name; // expect: error `Cannot read properties of undefined` at `name`
}

function describe(settings) {
  return "name: " + readName(settings); // expect: hint
}

console.log(describe({})); // expect: hint
