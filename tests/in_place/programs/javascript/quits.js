for (let n = 0; n < 3; n++) console.log(`step ${n}`);
process.reallyExit(3);
