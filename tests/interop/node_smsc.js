// An SMSC built on the npm `smpp` package (an implementation nobody on the team wrote), for
// interoperability tests. Prints {"listening": PORT} once ready, then one JSON line per submit_sm.
'use strict';
const smpp = require('smpp');

let nextId = 0x5000;
const server = smpp.createServer(function (session) {
  const bind = function (pdu) {
    if (pdu.system_id !== 'smppd' || pdu.password !== 'secret') {
      session.send(pdu.response({ command_status: smpp.ESME_RINVPASWD }));
      session.close();
      return;
    }
    session.send(pdu.response({ system_id: 'nodesmsc' }));
  };
  session.on('bind_transceiver', bind);
  session.on('bind_transmitter', bind);
  session.on('bind_receiver', bind);
  session.on('submit_sm', function (pdu) {
    const id = (nextId++).toString(16);
    session.send(pdu.response({ message_id: id }));
    const sm = pdu.short_message;
    const text = sm && sm.message !== undefined ? sm.message : String(sm);
    console.log(JSON.stringify({ submit: pdu.destination_addr, id: id, text: text }));
    if (pdu.registered_delivery & 0x03) {
      setTimeout(function () {
        session.deliver_sm({
          source_addr: pdu.destination_addr,
          destination_addr: pdu.source_addr,
          esm_class: 4,
          short_message: 'id:' + id + ' sub:001 dlvrd:001 submit date:2511241030 ' +
            'done date:2511241031 stat:DELIVRD err:000 text:',
          receipted_message_id: id,
          message_state: 2,
        }, function (resp) {
          console.log(JSON.stringify({ receipt_ack: id, status: resp.command_status }));
        });
      }, 20);
    }
  });
  session.on('enquire_link', function (pdu) { session.send(pdu.response()); });
  session.on('unbind', function (pdu) { session.send(pdu.response()); session.close(); });
  session.on('error', function () {});
});

server.listen(0, '127.0.0.1', function () {
  console.log(JSON.stringify({ listening: server.address().port }));
});
process.on('SIGTERM', function () { process.exit(0); });
