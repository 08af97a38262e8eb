// The Node socket.io 4 server the fan-out benchmark measures Common Ground against: the
// same two events as benchmarks/bare_socketio.py. Usage: node server.js PORT
const { Server } = require("socket.io");

const io = new Server(Number(process.argv[2]), { cors: { origin: "*" } });
let ids = 0;
io.on("connection", (socket) => {
  socket.on("join", (data, ack) => {
    socket.join(`item:${data.item}`);
    ack({ ok: true });
  });
  socket.on("post", (data, ack) => {
    const post = { ...data, id: ++ids };
    io.to(`item:${data.item}`).emit("post:new", post);
    ack({ ok: true, post });
  });
});
