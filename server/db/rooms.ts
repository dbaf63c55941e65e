import type { Collection, Db } from 'mongodb';
import type { RoomInfo } from '../../sdk/protocol';

export interface RoomDocument {
  siteId: string;
  roomId: string;
  name: string;
  lastSeq: number;
  createdAt: Date;
}

export const presentRoom = (room: RoomDocument): RoomInfo => ({ id: room.roomId, name: room.name });

export class RoomsRepository {
  private readonly rooms: Collection<RoomDocument>;

  constructor(db: Db) {
    this.rooms = db.collection<RoomDocument>('rooms');
  }

  find(siteId: string, roomId: string): Promise<RoomDocument | null> {
    return this.rooms.findOne({ siteId, roomId }, { projection: { _id: 0 } });
  }

  async ensure(siteId: string, roomId: string, name: string): Promise<void> {
    await this.rooms.updateOne(
      { siteId, roomId },
      { $setOnInsert: { name, lastSeq: 0, createdAt: new Date() } },
      { upsert: true },
    );
  }

  async deleteBySite(siteId: string): Promise<number> {
    return (await this.rooms.deleteMany({ siteId })).deletedCount;
  }

  /** Takes the room's next seq atomically; null when the room does not exist. */
  async nextSeq(siteId: string, roomId: string): Promise<number | null> {
    const room = await this.rooms.findOneAndUpdate(
      { siteId, roomId },
      { $inc: { lastSeq: 1 } },
      { returnDocument: 'after' },
    );
    return room?.lastSeq ?? null;
  }
}
