/**
 * The store parts that group code asks for (issue 16: each feature asks for the parts it uses),
 * named where the same set recurs. A function that needs fewer parts names them itself.
 */
import type {
  AttachmentsTx,
  ContactsTx,
  DevicesTx,
  GroupsTx,
  MessagesTx,
  OutboxTx,
  SessionsTx,
} from '../ports/index.ts';

/** Sending to members pairwise (messaging's compose): their contacts and sessions, the message, the outbox. */
export type MemberSendTx = ContactsTx & SessionsTx & MessagesTx & OutboxTx & DevicesTx;

/** Sending what the group changed, and saving the group with it. */
export type GroupSendTx = MemberSendTx & GroupsTx;

/** Applying a received control or state: the group, its members' contacts, the messages and outbox entries it touches. */
export type GroupApplyTx = ContactsTx & MessagesTx & OutboxTx & GroupsTx & DevicesTx;

/** Showing a group message: the group, its members' names, the message and its attachments. */
export type GroupViewTx = ContactsTx & MessagesTx & AttachmentsTx & GroupsTx;
