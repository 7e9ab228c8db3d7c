// Lab tests need the lab up. Bringing it up is the lab's job (lab/); this only checks it is there so that
// a missing lab fails loudly instead of every test timing out.
const fs = require("fs");
const path = require("path");
module.exports = async () => {
  const inventory = process.env.XENHA_LAB_INVENTORY || path.join(__dirname, "..", "..", ".lab", "inventory.json");
  if (!fs.existsSync(inventory)) {
    throw new Error(`lab inventory ${inventory} not found: run "npm run lab:up" first`);
  }
};
