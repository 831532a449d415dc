#!/usr/bin/env node
// An arena agent in Node.js: plays the lowest-numbered legal action.
// Protocol: docs/protocol.md (JSON lines on stdin/stdout; logs go to stderr).
//   arena play openspiel/tic_tac_toe "cmd:node examples/agents/first_legal.js" random
"use strict";
const readline = require("readline");

const send = (message) => process.stdout.write(JSON.stringify(message) + "\n");
const lowest = (actions) => Math.min(...actions);

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  const message = JSON.parse(line);
  switch (message.type) {
    case "hello":
      if (!message.protocols.includes(1)) {
        send({ type: "error", message: "first_legal.js speaks protocol 1 only" });
        process.exit(0);
      }
      send({ type: "hello", name: "first_legal.js", version: "1.0", protocol: 1, observation: false });
      break;
    case "reset":
      send({ type: "ready" });
      break;
    case "act":
      send({ type: "action", action: lowest(message.legal_actions) });
      break;
    case "act_team":
      send({ type: "actions", actions: message.observations.map((v) => [v.seat, lowest(v.legal_actions)]) });
      break;
    case "quit":
      process.exit(0);
    // "inform" and unknown types need no answer
  }
});
