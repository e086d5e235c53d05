export const dbHost = "192.168.10.20";
export const dbPort = 5432;
export const version = "1.2.3.4";
