interface Settings {
  config?: { name: string };
}

function readName(settings: Settings): string {
  return settings.config!.name; // expect: error `undefined is not an object`
}

function describe(settings: Settings): string {
  return "name: " + readName(settings); // expect: hint
}

console.log(describe({})); // expect: hint
